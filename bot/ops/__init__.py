"""Operations: logging, metrics, the health/metrics HTTP endpoint and terminal progress."""
