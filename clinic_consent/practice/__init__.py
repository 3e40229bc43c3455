"""The practice itself: its name, address, languages and the R10 waiting-room notice."""
