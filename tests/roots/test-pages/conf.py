project = "Cliche test"
copyright = "2026, the authors"
version = release = "1.0"
extensions = ["sphinxcontrib_cliche"]
cliche_multiple_heads = "ignore"
# cliche_config is given by each test (confoverrides): the history lives outside the root.
