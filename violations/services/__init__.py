"""Every state change of a violation (DOMAIN.md R-VIO-1 … R-VIO-9).

One function per transition: it locks the violation, checks the transition is allowed and that
the person may make it, records the measure (Measure), writes the timeline event and the ledger
deadlines (propsvc.Deadline) in the same transaction, and sends notifications. Anything else is
refused with a ViolationError and writes nothing.

Who acts (R-VIO-5, R-VIO-6, docs/ARCHITECTURE.md): any staff member who sees a violation
registers it and persuades the owner; the property supervisor handles a general one on site
(the CS center manager and the leadership above them); a major one is reported to the company's
superiors at once and only they (the CS center manager, the leadership) close it. A penalty —
compensation, public criticism, legal action — is proposed by a handler and takes effect only
when the property company manager (leadership) or the CS center manager signs it.
"""

from violations.services.base import (  # noqa: F401 — the package's public names
    GENERAL_KEPT,
    KIND_FOLLOW_UP,
    KIND_NEXT_STEP,
    KIND_RECTIFICATION,
    KIND_SIGN,
    MAJOR_KEPT,
    CheckedPhoto,
    ViolationError,
    closer_roles,
    handler_roles,
    may_close,
    may_follow_up,
    may_handle,
    may_persuade,
    may_reinspect,
    may_sign,
    photo_check,
)
from violations.services.cases import (  # noqa: F401
    notice_issue,
    violation_add_photos,
    violation_close,
    violation_file_lawsuit,
    violation_follow_up,
    violation_persuade,
    violation_propose_penalty,
    violation_publish_criticism,
    violation_reassess,
    violation_refuse_penalty,
    violation_register,
    violation_reinspect,
    violation_send_lawyer_letter,
    violation_set_rectification,
    violation_sign_penalty,
)
from violations.services.finance import Month, charge_list_build, charge_rows  # noqa: F401
from violations.services.retention import RETENTION_BATCH, retention_due, retention_purge  # noqa: F401
