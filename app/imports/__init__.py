"""The editors' import: upload a file, read the dry-run report, apply it, watch it go.

`jobs` runs checks and imports on a worker thread (progress for large files),
`routes` serves the upload page, the job page (htmx polling of the status with
a <progress> element) and the spreadsheet template downloads.
"""
