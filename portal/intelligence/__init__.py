"""Intelligence: logging it, reading it, changing it without losing anything, the lists."""
