"""Reports: one formatter per output format behind one interface (:mod:`.base`)."""
