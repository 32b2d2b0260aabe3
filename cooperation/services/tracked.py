"""Create, change, delete (to the trash), undelete and restore any tracked object.

Used for records (agreements, deals, challenges, recommendations) and for the
simpler tracked models (actors, topics, excerpts, sources' metadata). One path
means one set of rules: validation, the version check, and one history row.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from cooperation.changes import serialise_writes
from cooperation.history import CHANGED, CREATED, DELETED, history_m2m_values
from cooperation.models import Record, Tracked
from cooperation.permissions import require, visibility_action
from cooperation.provenance import Basis
from cooperation.services import notifications
from cooperation.services.claim_rows import claims_after_write, facts_now
from cooperation.services.common import ConflictError, acting_user, save_with_history


def editable_field_names(model: type[models.Model]) -> set[str]:
    fields = [*model._meta.concrete_fields, *model._meta.many_to_many]
    return {f.name for f in fields if f.editable and not f.auto_created}


def _m2m_names(model: type[models.Model]) -> set[str]:
    return {f.name for f in model._meta.many_to_many}


def _split(model, data: dict) -> tuple[dict, dict]:
    allowed = editable_field_names(model)
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(
            {name: "This field cannot be set here." for name in sorted(unknown)}, code="unknown"
        )
    m2m_names = _m2m_names(model)
    fields = {k: v for k, v in data.items() if k not in m2m_names}
    m2m = {k: list(v) for k, v in data.items() if k in m2m_names}
    return fields, m2m


def _to_python(model, fields: dict) -> dict:
    """Values as the model holds them ("2024-11-21" becomes a date), so equal means unchanged."""
    converted, errors = {}, {}
    for name, value in fields.items():
        field = model._meta.get_field(name)
        if field.is_relation:
            if value is not None and not isinstance(value, models.Model):
                # An id instead of an object: look it up, so a missing one is a field error.
                value = field.related_model._base_manager.filter(pk=value).first()
                if value is None:
                    errors[name] = [
                        f"There is no {field.related_model._meta.verbose_name} with that id."
                    ]
                    continue
            converted[name] = value
            continue
        try:
            converted[name] = field.to_python(value)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return converted


def _pk_set(values) -> set:
    return {getattr(v, "pk", v) for v in values}


def _authorize_visibility(user, obj, old: str | None, new: str | None) -> None:
    """Publishing is a curator's act, whichever service the change arrives through."""
    action = visibility_action(old, new)
    if action != "edit":  # editing itself was asked already
        require(user, action, obj)


def _ensure_generic(model) -> None:
    # Notes have one service of their own (services/annotations.py), and no second path.
    if not getattr(model, "generic_services", True):
        raise PermissionDenied(
            f"{model._meta.verbose_name_plural} are changed by their own services."
        )


def lock(instance: Tracked) -> Tracked:
    """Re-read `instance` under a row lock so the version check and the write are one step.

    The change feed's write lock comes first, so no writer waits for it holding a row
    lock (cooperation/changes.py).
    """
    serialise_writes()
    return type(instance).all_objects.select_for_update().get(pk=instance.pk)


def current_version(model: type[Tracked], pk) -> int | None:
    """The row's version now (None if it is gone), for a form's early conflict check.

    Django's admin validates and saves a form in one transaction of its own; inside it
    the row stays locked from here to the save, so a concurrent save waits, then fails
    this check with the form (and everything typed into it) intact, instead of losing
    a race at save time.
    """
    rows = model.all_objects.filter(pk=pk)
    if transaction.get_connection().in_atomic_block:
        rows = rows.select_for_update()
    return rows.values_list("version", flat=True).first()


def move_to_trash(current: Tracked, *, user, reason: str) -> Tracked:
    """Mark a locked, checked row deleted, as a new version with its history row.

    Callers decide whether the trash is allowed (permission, blockers); this is
    only the one way a row goes there.
    """
    current.deleted_at = timezone.now()
    current.deleted_by = acting_user(user)
    current.version += 1
    save_with_history(current, user=user, kind=DELETED, reason=reason)
    return current


def check_version(current: Tracked, expected_version: int | None) -> None:
    if expected_version is not None and current.version != int(expected_version):
        raise ConflictError(expected=int(expected_version), current=current.version)


def create_tracked(*, model: type[Tracked], user, data: dict, reason: str, basis=None) -> Tracked:
    """The shared create path; model-specific services (recommendation_create) build on it.

    A record's factual values each need a basis (services/claims.py): `basis` is one
    Basis for all of them, or field → Basis.
    """
    _ensure_generic(model)
    require(user, "create", model)
    fields, m2m = _split(model, data)
    fields = _to_python(model, fields)
    _authorize_visibility(user, model, None, fields.get("visibility"))
    instance = model(**fields)
    save_with_history(instance, user=user, kind=CREATED, reason=reason, m2m=m2m)
    if isinstance(instance, Record):
        claims_after_write(instance, before={}, user=user, basis=basis)
    notifications.record_created(instance, user=user)
    return instance


@transaction.atomic
def tracked_create(
    *, model: type[Tracked], user, data: dict, reason: str = "Created", basis=None
) -> Tracked:
    create_service = getattr(model, "create_service", "")
    if create_service:
        # e.g. a recommendation must start its status timeline as it is created.
        raise TypeError(f"Create {model._meta.verbose_name_plural} with {create_service}().")
    return create_tracked(model=model, user=user, data=data, reason=reason, basis=basis)


@transaction.atomic
def tracked_update(
    *,
    instance: Tracked,
    user,
    data: dict,
    expected_version: int | None,
    reason: str = "Changed",
    basis=None,
    prefer: dict | None = None,
) -> Tracked:
    """Apply `data`; refuse with ConflictError if the object moved past `expected_version`.

    A write that changes nothing is not a write: no version, no history row. A record's
    factual values that change need a basis (`basis`, see create_tracked) unless a claim
    already holds the new value (services/claims.py); `prefer` names such claims.
    """
    _ensure_generic(type(instance))
    require(user, "edit", instance)
    current = lock(instance)
    if current.is_deleted:
        raise ValidationError("This item is in the trash; restore it before editing.")
    check_version(current, expected_version)
    fixed = set(data) & set(getattr(type(current), "fixed_after_create", ()))
    if fixed:
        raise ValidationError(
            {name: "This cannot change after creation; make a new one instead." for name in fixed}
        )
    fields, m2m = _split(type(current), data)
    fields = _to_python(type(current), fields)
    _authorize_visibility(
        user, current, getattr(current, "visibility", None), fields.get("visibility")
    )
    changed = [name for name, value in fields.items() if getattr(current, name) != value]
    changed_links = [
        name
        for name, values in m2m.items()
        if _pk_set(values) != set(getattr(current, name).values_list("pk", flat=True))
    ]
    if not changed and not changed_links:
        return current
    before = facts_now(current) if isinstance(current, Record) else None
    for name in changed:
        setattr(current, name, fields[name])
    current.version += 1
    save_with_history(
        current,
        user=user,
        kind=CHANGED,
        reason=reason,
        m2m={name: m2m[name] for name in changed_links},
    )
    if before is not None:
        claims_after_write(current, before=before, user=user, basis=basis, prefer=prefer)
    notifications.record_changed(current, user=user, fields=changed + changed_links)
    return current


@transaction.atomic
def tracked_delete(
    *, instance: Tracked, user, expected_version: int | None = None, reason: str = "Moved to trash"
) -> Tracked:
    """Soft delete: the row stays, marked deleted, and history says who and when."""
    _ensure_generic(type(instance))
    require(user, "delete", instance)
    current = lock(instance)
    check_version(current, expected_version)
    if current.is_deleted:
        return current
    blocker = current.delete_blocker()
    if blocker:
        raise ValidationError(blocker)
    return move_to_trash(current, user=user, reason=reason)


@transaction.atomic
def tracked_undelete(*, instance: Tracked, user) -> Tracked:
    _ensure_generic(type(instance))
    require(user, "untrash", instance)
    current = lock(instance)
    if not current.is_deleted:
        return current
    current.deleted_at = None
    current.deleted_by = None
    current.version += 1
    save_with_history(current, user=user, kind=CHANGED, reason="Restored from trash")
    return current


@transaction.atomic
def tracked_restore_version(
    *, instance: Tracked, history_id: int, user, expected_version: int | None = None
) -> Tracked:
    """Bring back the fields and links an earlier history row recorded, as a new version.

    The restore is itself a change: the versions in between stay in history.
    """
    _ensure_generic(type(instance))
    require(user, "restore", instance)
    model = type(instance)
    try:
        past = instance.history.get(history_id=history_id)
    except model.history.model.DoesNotExist:
        raise ValidationError("That version does not belong to this item.") from None
    current = lock(instance)
    check_version(current, expected_version)
    before = facts_now(current) if isinstance(current, Record) else None
    # Only what people edit comes back. Workflow state (a recommendation's status,
    # a merge, the trash) and bookkeeping move only through their own services.
    editable = editable_field_names(model)
    for field in model._meta.concrete_fields:
        if field.name in editable and hasattr(past, field.attname):
            setattr(current, field.attname, getattr(past, field.attname))
    m2m = {
        name: history_m2m_values(past, name)
        for name in getattr(model, "history_m2m_fields", ())
        if name in _m2m_names(model)
    }
    current.version += 1
    when = past.history_date.strftime("%Y-%m-%d %H:%M")
    save_with_history(
        current, user=user, kind=CHANGED, reason=f"Restored the version of {when}", m2m=m2m
    )
    if before is not None:
        # The restored values' claims are still there (claims are never deleted): they
        # become the preferred ones again. A value no claim holds (entered before claims
        # were kept) rests on the restorer's judgement that the earlier version was right.
        claims_after_write(
            current,
            before=before,
            user=user,
            fallback=Basis.judgement(f"Restored from the version of {when}"),
        )
    notifications.record_changed(current, user=user, fields=[], detail=f"Restored ({when})")
    return current
