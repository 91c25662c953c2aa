"""cxmatch engine: the nightly batch job (contract, validation, eligibility, checker, runs, CLI)."""

__version__ = "0.1.0"
