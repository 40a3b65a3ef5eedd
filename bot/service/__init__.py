"""Use cases: poll, deliver, subscribe, broadcast — over protocols, not concrete adapters."""
