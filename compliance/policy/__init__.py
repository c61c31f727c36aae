"""License policy: the compatibility engine (``compat``) and the rule packs built on it."""
