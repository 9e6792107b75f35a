"""Moving out: everything stored about a participant, as one JSON document or a zip of CSV files. It reads
every owned table, so it sits above the list of all tables (`followthrough.models`) and below `imports`,
which reads its documents back in."""

from followthrough.export.services import ExportService

__all__ = ["ExportService"]
