"""Relations of items and collections: the predicates each may carry and the URIs they name.

As dataserver's ``Zotero_Relations`` checks them: an item or a collection has its own allowed
predicates, whose values are Zotero URIs of that kind, except the Mendeley import identifiers.
"""

from __future__ import annotations

import re
from typing import Any

from zotmark.sandbox.errors import bad

# dataserver Zotero_Relations: predicates per object type, and the ones whose values are not
# Zotero URIs (Mendeley import identifiers)
EXTERNAL_PREDICATES = frozenset(
    {
        "mendeleyDB:documentUUID",
        "mendeleyDB:remoteDocumentUUID",
        "mendeleyDB:fileHash",
        "mendeleyDB:annotationUUID",
        "mendeleyDB:remoteFolderUUID",
        "mendeleyDB:relatedDocumentUUID",
        "mendeleyDB:relatedRemoteDocumentUUID",
        "mendeleyDB:relatedFileHash",
    }
)
ITEM_PREDICATES = frozenset({"owl:sameAs", "dc:replaces", "dc:relation"}) | (
    EXTERNAL_PREDICATES - {"mendeleyDB:remoteFolderUUID"}
)
COLLECTION_PREDICATES = frozenset({"owl:sameAs", "mendeleyDB:remoteFolderUUID"})
_ITEM_URI = re.compile(r"^http://zotero\.org/(users|groups)/\d+/(publications/)?items/[A-Z0-9]{8}$")
_COLLECTION_URI = re.compile(r"^http://zotero\.org/(users|groups)/\d+/collections/[A-Z0-9]{8}$")


def check_relations(value: Any, kind: str) -> None:
    """``relations`` of an ``item`` or ``collection``: an object (or an empty array) of allowed
    predicates whose values are Zotero URIs of that kind, unless external (Mendeley ids)."""
    if not isinstance(value, dict) and value != []:
        raise bad("'relations' property must be an object")
    allowed, uri = (
        (ITEM_PREDICATES, _ITEM_URI) if kind == "item" else (COLLECTION_PREDICATES, _COLLECTION_URI)
    )
    for predicate, objects in value.items() if isinstance(value, dict) else ():
        if predicate not in allowed:
            raise bad(f"Unsupported predicate '{predicate}'")
        if predicate in EXTERNAL_PREDICATES:
            continue
        for target in objects if isinstance(objects, list) else [objects]:
            if not isinstance(target, str) or not uri.match(target):
                raise bad(f"'relations' values currently must be Zotero {kind} URIs")
