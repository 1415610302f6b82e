"""Reporting: PNG figures and a self-contained HTML page for a study (`nas report`)."""
from __future__ import annotations

from nas.report.report import Record, Report, write_report

__all__ = ["Record", "Report", "write_report"]
