"""Edit helpers: writing valid YAML for people who don't hand-edit (new, report, transition), with the gate's own rules, and `rectify init`. May import core, ledger, history and metrics."""
