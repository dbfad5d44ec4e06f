"""Office: Excel import of the counties' own ledgers (整改台账). May import core, ledger, history and edit."""
