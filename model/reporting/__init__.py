"""What people read: labels, the report, the spreadsheet, the explorer, the settings catalogue."""
