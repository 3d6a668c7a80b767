"""Reading a survey export (Qualtrics CSV, SPSS .sav, Stata .dta) and checking every cell against its
codebook. May import: the foundation modules only (scs.errors, scs.config, scs.settings, scs.precision)."""
