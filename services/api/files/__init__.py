"""The file platform under the importing areas: uploaded bytes in, rows and problems out, reports kept.

Plan files (`services.api.imports`) and complaint files (`services.api.complaints`) are read by the same
machinery: decoding (`decoding`), delimited text (`delimited`), guarded XLSX (`xlsx`, `xlsx_guards`), format
detection (`formats`), cell helpers (`cells`), problems (`problems`), the parse time budget (`budget`), the
upload form (`uploads`), the report store (`reports`) and the dry run → savepoint → report flow (`importing`).
Nothing here knows an area: areas bring their own layouts and writes.
"""
