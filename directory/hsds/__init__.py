"""Open Referral HSDS 3.1 for the directory: the NRW profile, export, import, spreadsheets.

Modules, one concept each:
- `profile`: the `kim-lotse` profile taxonomy (NRW fields as HSDS attributes), see PROFILE.md;
- `directory.records` (beside this package): `OfferRecord`, the one record of an offer;
- `to_hsds` / `from_hsds`: records <-> HSDS 3.1 JSON objects (nested service);
- `tabular`: the HSDS CSV data package (datapackage.json + one CSV per table);
- `cells`: spreadsheet formula neutralisation (SEC-15, CWE-1236);
- `hours`: German opening-hours text <-> weekly slots;
- `checks`: what an import checks against, and problems in plain German;
- `sheet`: the spreadsheet template (XLSX/CSV, German headers) and its reader;
- `sheet_export`: offers in the template's columns, and a sheet row completed from the store;
- `writer`: all-or-nothing bulk write of records (unchanged offers left alone);
- `importer` / `exporter`: reading files with limits and a German report; writing files;
- `history`: an import's entries in the offers' change history.
"""
