"""Results model, scoring and one module per output format."""
