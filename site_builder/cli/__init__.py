"""Command line: parsing arguments, one module per command group, printing and exit codes. The only package that prints; may import every stage."""
