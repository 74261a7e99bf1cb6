project = "Cliche test"
copyright = "2026, the authors"
version = release = "1.0"
extensions = ["myst_parser", "sphinxcontrib_cliche"]
cliche_multiple_heads = "ignore"
