"""Treatment sessions, group treatments and who takes part in them."""
