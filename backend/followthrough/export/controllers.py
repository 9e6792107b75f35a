from __future__ import annotations

from litestar import Controller, MediaType, Response, get
from litestar.di import NamedDependency, Provide

from followthrough.context import RequestContext
from followthrough.export.services import AccountExport, ExportService
from followthrough.identity import Participant


def provide_export_service(context: NamedDependency[RequestContext]) -> ExportService:
    return ExportService(context)


def _download_headers(filename: str) -> dict[str, str]:
    # Personal data: no shared cache may keep a copy.
    return {"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"}


class ExportController(Controller):
    path = "/account"
    tags = ["account"]
    dependencies = {"exports": Provide(provide_export_service, sync_to_thread=False)}

    @get("/export", operation_id="exportAccountJson")
    async def export_json(
        self, participant: NamedDependency[Participant], exports: NamedDependency[ExportService]
    ) -> Response[AccountExport]:
        """Everything stored about the signed-in participant as one JSON document, as a download: profile,
        reflections, barriers and key actions with their status histories, check-ins, weekly reviews and API
        tokens (never their secrets)."""
        document = await exports.as_json(participant)
        headers = _download_headers(exports.filename(participant, "json"))
        return Response(document, media_type=MediaType.JSON, headers=headers)

    @get("/export.zip", operation_id="exportAccountCsv", media_type="application/zip")
    async def export_csv(
        self, participant: NamedDependency[Participant], exports: NamedDependency[ExportService]
    ) -> Response[bytes]:
        """The same data as a zip of CSV files, one per table (UTF-8, a header row, RFC 4180 quoting). Text
        that a spreadsheet would run as a formula starts with a single quote."""
        archive = await exports.as_zip(participant)
        headers = _download_headers(exports.filename(participant, "zip"))
        return Response(archive, media_type="application/zip", headers=headers)
