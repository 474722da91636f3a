"""Operations: the `lotse` command (`cli`, one module per command group) and the tools
(bench, evaluate, backup, drill). `ops` imports `app`; nothing imports `ops`."""
