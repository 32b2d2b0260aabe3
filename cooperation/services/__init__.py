"""Every write in Contours goes through a function in this package.

Each is `<entity>_<action>`, keyword-only, atomic, validating, and writes one
history row. Views, the API, the admin and management commands call these;
none of them saves a model on its own.
"""

from cooperation.services.annotations import (
    annotation_create,
    annotation_delete,
    annotation_edit,
    annotation_resolve,
    annotation_share,
    annotation_undelete,
    annotation_update,
)
from cooperation.services.claims import claim_add, claim_set_rank
from cooperation.services.common import ConflictError
from cooperation.services.evidence import (
    evidence_attach,
    evidence_detach,
    excerpt_create,
    excerpt_create_from_quote,
)
from cooperation.services.recommendations import (
    recommendation_create,
    recommendation_response_record,
    recommendation_transition,
    status_proposal_create,
    status_proposal_decide,
)
from cooperation.services.records import (
    record_create,
    record_merge,
    record_publish,
    record_set_visibility,
    record_unpublish,
)
from cooperation.services.saved_views import (
    saved_view_create,
    saved_view_delete,
    saved_view_rename,
    saved_view_share,
    saved_view_update_query,
)
from cooperation.services.sources import source_import, source_metadata_update
from cooperation.services.tracked import (
    tracked_create,
    tracked_delete,
    tracked_restore_version,
    tracked_undelete,
    tracked_update,
)
from cooperation.text_extraction import SourceImportError

__all__ = [
    "ConflictError",
    "SourceImportError",
    "annotation_create",
    "annotation_delete",
    "annotation_edit",
    "annotation_resolve",
    "annotation_share",
    "annotation_undelete",
    "annotation_update",
    "claim_add",
    "claim_set_rank",
    "evidence_attach",
    "evidence_detach",
    "excerpt_create",
    "excerpt_create_from_quote",
    "recommendation_create",
    "recommendation_response_record",
    "recommendation_transition",
    "record_create",
    "record_merge",
    "record_publish",
    "record_set_visibility",
    "record_unpublish",
    "saved_view_create",
    "saved_view_delete",
    "saved_view_rename",
    "saved_view_share",
    "saved_view_update_query",
    "source_import",
    "source_metadata_update",
    "status_proposal_create",
    "status_proposal_decide",
    "tracked_create",
    "tracked_delete",
    "tracked_restore_version",
    "tracked_undelete",
    "tracked_update",
]
