"""Getting started: ``zotmark init`` (:mod:`.init`, the files it writes in :mod:`.init_files`)
and ``zotmark demo`` (:mod:`.demo`, the whole loop against a local sandbox)."""
