"""Notes from FHIR R4 DocumentReference resources (or a Bundle of them).

The note is the first ``content[].attachment`` whose ``contentType`` is
``text/plain`` and that carries inline base64 ``data``; its charset parameter,
when given, decodes it (UTF-8 otherwise). The note's ``source`` is the
resource id. Resources are validated with ``fhir.resources`` (its R4B models,
which are R4's for DocumentReference, Attachment and Bundle); a resource that
is not valid FHIR raises :class:`FhirError` naming the field, never quoting
its value. Other resources in a Bundle (Patient, Encounter...) are skipped:
they are not notes.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator, Mapping
from typing import Any

from notelint import errors
from notelint.io.note import DEFAULT_MAX_CHARS, Note, decode

NOTE_TYPES = ("DocumentReference", "Bundle")


class FhirError(errors.NotelintError):
    """A resource that is not valid FHIR, or not a DocumentReference or Bundle."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def _path(resource_type: str, location: tuple[Any, ...]) -> str:
    path = resource_type
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{_key(part)}"
    return path


_KEY = re.compile(r"\S{1,64}")


def _key(key: Any) -> str:
    """A property name as an error message may show it: a name (an element, an unknown key
    such as ``paitent``) as it is; any other key of the input (with a line break or a
    space, as words of a note would have, or longer than 64 characters) as ``<key>``."""
    return key if isinstance(key, str) and _KEY.fullmatch(key) and key.isprintable() else "<key>"


_SPACE = re.compile(r"\s+")
# JSON objects and arrays, one inside the other: a DocumentReference in a Bundle, down to a
# coding in an extension, needs about a dozen; 150 nested extensions reached the recursion
# limit of the validators.
MAX_DEPTH = 64
# Codes with a required binding that fhir.resources does not check (R4 value sets).
REQUIRED_CODES = {
    ("DocumentReference", "status"): ("current", "superseded", "entered-in-error"),
    ("DocumentReference", "docStatus"): ("preliminary", "final", "amended", "entered-in-error"),
    ("Bundle", "type"): ("document", "message", "transaction", "transaction-response", "batch",
                         "batch-response", "history", "searchset", "collection"),
}


def _entries(resource: Mapping[str, Any], path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(field path, resource)`` of each entry of a Bundle (nothing for another resource)."""
    entries = resource.get("entry") if resource.get("resourceType") == "Bundle" else None
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(entry, Mapping) and isinstance(entry.get("resource"), Mapping):
            yield f"{path}.entry[{i}].resource", entry["resource"]


def _attachments(resource: Mapping[str, Any], path: str) -> Iterator[tuple[str, Any]]:
    """``(field path, data)`` of every attachment's ``data`` in a DocumentReference or Bundle."""
    if resource.get("resourceType") == "Bundle":
        for where, entry in _entries(resource, path):
            yield from _attachments(entry, where)
        return
    contents = resource.get("content")
    for i, content in enumerate(contents if isinstance(contents, list) else []):
        attachment = content.get("attachment") if isinstance(content, Mapping) else None
        if isinstance(attachment, Mapping) and "data" in attachment:
            yield f"{path}.content[{i}].attachment.data", attachment["data"]


def _check_json_rules(value: Any, path: str, depth: int = 1) -> None:
    """FHIR JSON has no null property and no empty array (pydantic reads both as absent);
    and notelint validates no resource nested deeper than MAX_DEPTH (the validators
    recurse, and would meet the interpreter's recursion limit at a depth that depends on
    the caller)."""
    if depth > MAX_DEPTH and isinstance(value, (Mapping, list)):
        raise FhirError(path.split("[", 1)[0], f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{_key(key)}"
            if item is None:
                raise FhirError(where, "null is not allowed in FHIR JSON")
            if isinstance(item, list) and not item:
                raise FhirError(where, "an empty array is not allowed in FHIR JSON")
            _check_json_rules(item, where, depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_json_rules(item, f"{path}[{i}]", depth + 1)


def _check_codes(resource: Mapping[str, Any], path: str) -> None:
    """The required-binding codes of REQUIRED_CODES, in the resource and its Bundle entries."""
    resource_type = resource.get("resourceType")
    for (owner, name), allowed in REQUIRED_CODES.items():
        if owner == resource_type and name in resource and resource[name] not in allowed:
            raise FhirError(f"{path}.{name}", f"must be one of {', '.join(allowed)}")
    for where, entry in _entries(resource, path):
        if not _known(entry.get("resourceType")):
            raise FhirError(f"{where}.resourceType", "not a FHIR R4 resource type")
        _check_codes(entry, where)


def _known(resource_type: Any) -> bool:
    from fhir.resources.R4B import get_fhir_model_class

    try:
        return isinstance(resource_type, str) and get_fhir_model_class(resource_type) is not None
    except (KeyError, ValueError):
        return False


def _check_base64(resource: Mapping[str, Any]) -> None:
    """FHIR base64Binary, strictly: pydantic's decoder skips characters outside the alphabet."""
    for field, data in _attachments(resource, str(resource.get("resourceType"))):
        if not isinstance(data, str):
            continue  # the model names the wrong type
        try:
            binascii.a2b_base64(_SPACE.sub("", data), strict_mode=True)
        except (binascii.Error, ValueError):  # ValueError: characters outside ASCII
            raise FhirError(field, "not valid base64") from None


def _validated(resource: Mapping[str, Any]) -> Any:
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    resource_type = resource.get("resourceType")
    if resource_type not in NOTE_TYPES:
        raise FhirError("resourceType", "expected DocumentReference or Bundle")
    model = get_fhir_model_class(resource_type)
    _check_json_rules(resource, resource_type)
    _check_codes(resource, resource_type)
    _check_base64(resource)
    try:
        return model.model_validate(dict(resource))
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False, include_context=False)[0]
        raise FhirError(_path(resource_type, tuple(first["loc"])), _problem(first)) from None
    except (TypeError, ValueError, KeyError) as exc:  # a validator that raised outside pydantic
        raise FhirError(resource_type, f"invalid resource ({exc.__class__.__name__})") from None
    except RecursionError:  # MAX_DEPTH should keep this from happening
        raise FhirError(resource_type, "nested too deeply to validate") from None


def _problem(error: Mapping[str, Any]) -> str:
    # pydantic's messages name the expectation, never the value; base64 errors add
    # the decoder's reason, which only counts characters
    return str(error.get("msg", "invalid value")).splitlines()[0][:200]


def _charset(content_type: str) -> str | None:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return None


def _name(reference: Any) -> str | None:
    """What a Reference names: its ``display``, else its ``reference`` (``Practitioner/17``)."""
    if reference is None:
        return None
    return reference.display or reference.reference


def _is_device(reference: Any) -> bool:
    return reference.type == "Device" or (reference.reference or "").startswith("Device/")


def _meta(document: Any) -> dict[str, str | None]:
    """The note's metadata (:mod:`notelint.io.meta`) from a DocumentReference: ``provider`` the
    first ``author`` that is not a Device, ``vendor`` the first that is (a scribe system),
    ``specialty`` the ``context.practiceSetting`` (its text, else its first coding's display
    or code), ``facility`` the ``custodian``, ``encounter_date`` the date of ``date``."""
    from notelint.io import meta

    authors = list(document.author or [])
    setting = document.context.practiceSetting if document.context else None
    specialty = None
    if setting is not None:
        coding = (setting.coding or [None])[0]
        specialty = setting.text or (coding.display or coding.code if coding is not None else None)
    date = document.date
    return meta.checked({
        "provider": next((_name(a) for a in authors if not _is_device(a)), None),
        "specialty": specialty,
        "facility": _name(document.custodian),
        "vendor": next((_name(a) for a in authors if _is_device(a)), None),
        "encounter_date": date.isoformat() if hasattr(date, "isoformat") else date,
    })


def _note(document: Any, source: str, codes: list[str], max_chars: int) -> Note:
    note = _text_note(document, source, codes, max_chars)
    note.meta = _meta(document)
    return note


def _text_note(document: Any, source: str, codes: list[str], max_chars: int) -> Note:
    for content in document.content or []:
        attachment = content.attachment
        content_type = (attachment.contentType or "").strip()
        if content_type.split(";")[0].strip().lower() != "text/plain" or attachment.data is None:
            continue
        note = decode(source, attachment.data, _charset(content_type) or "utf-8", max_chars)
        note.codes = list(codes)
        return note
    message = f"{source}: no text/plain attachment with inline data"
    return Note(source, error=errors.InputError(errors.NO_TEXT, message))


def notes(resource: Any, codes: list[str] | None = None, where: str = "DocumentReference",
          max_chars: int = DEFAULT_MAX_CHARS) -> list[Note]:
    """The notes of a DocumentReference or of the DocumentReferences of a Bundle.

    ``where`` names a resource that has no id. Raises :class:`FhirError`.
    """
    if not isinstance(resource, Mapping):
        raise FhirError("resource", "a FHIR resource must be a JSON object")
    parsed = _validated(resource)
    claimed = list(codes or [])
    if parsed.get_resource_type() == "DocumentReference":
        return [_note(parsed, parsed.id or where, claimed, max_chars)]
    documents = [(i, entry.resource) for i, entry in enumerate(parsed.entry or [])
                 if entry.resource is not None
                 and entry.resource.get_resource_type() == "DocumentReference"]
    if not documents:
        raise FhirError("Bundle.entry", "no DocumentReference in the Bundle")
    return [_note(doc, doc.id or f"{where}/entry[{i}]", claimed, max_chars) for i, doc in documents]
