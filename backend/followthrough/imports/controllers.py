from __future__ import annotations

from typing import Annotated

from litestar import Controller, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from followthrough.actions import OccurrenceService
from followthrough.context import RequestContext
from followthrough.identity import Participant
from followthrough.imports import schemas
from followthrough.imports.services import ImportService

IMPORT_MAX_BODY_BYTES = 16 * 1024 * 1024
"""Imports only: a file is sent whole. Ten daily habits over ten years of Loop export are about 1 MB of
JSON, and an own export with several years of daily check-ins a few MB; the rest of the API keeps
`max_body_bytes`."""

DryRun = Annotated[
    bool,
    QueryParameter(
        name="dryRun",
        description="Check the file and count what would be created, without storing anything",
    ),
]


def provide_import_service(
    context: NamedDependency[RequestContext],
    occurrences: NamedDependency[OccurrenceService],
) -> ImportService:
    return ImportService(context, occurrences)


class ImportController(Controller):
    path = "/imports"
    tags = ["imports"]
    dependencies = {"imports": Provide(provide_import_service, sync_to_thread=False)}

    @post(
        "/followthrough",
        operation_id="importFollowthroughExport",
        status_code=HTTP_200_OK,
        request_max_body_size=IMPORT_MAX_BODY_BYTES,
    )
    async def import_followthrough(
        self,
        data: JSONBody[schemas.AccountDocument],
        participant: NamedDependency[Participant],
        imports: NamedDependency[ImportService],
        dry_run: DryRun = False,
    ) -> schemas.ImportSummary:
        """Import the document `GET /api/v1/account/export` downloads (from this or another server) into the
        signed-in account: reflections, barriers, key actions with their histories, check-ins, weekly
        reviews, and the review, quiet-hours and nudge settings. New ids are made; importing the same
        document again changes nothing. A refused document names the JSON path at fault, and nothing is
        stored."""
        return await imports.import_account_export(participant, data, dry_run)

    @post(
        "/loop",
        operation_id="importLoopExport",
        status_code=HTTP_200_OK,
        request_max_body_size=IMPORT_MAX_BODY_BYTES,
    )
    async def import_loop(
        self,
        data: JSONBody[schemas.LoopFiles],
        participant: NamedDependency[Participant],
        imports: NamedDependency[ImportService],
        dry_run: DryRun = False,
    ) -> schemas.ImportSummary:
        """Import Loop Habit Tracker's CSV export: each habit becomes a key action and each day Loop
        recorded a check-in (done, skipped or not done; a numerical habit's amount becomes its measure).
        Importing the same export again changes nothing, and a later export adds only the new days. A refused
        file is named with its line and column (`001 Meditate/Checkmarks.csv:12:2`), and nothing is stored."""
        return await imports.import_loop_export(participant, data.files, dry_run)
