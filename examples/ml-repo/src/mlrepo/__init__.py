"""mlrepo: the model code of the example repository (a linear model, no dependencies)."""
