"""Cold starts: the exact event-driven simulator (:mod:`.simulator`), the fast per-step
model (:mod:`.fast`) and their shared arrival primitives (:mod:`.arrivals`)."""
