"""The engine: the worker population, the monthly rules and kernels, employers, programmes."""
