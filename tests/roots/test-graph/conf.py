project = "Cliche graph test"
extensions = ["sphinxcontrib_cliche"]
