"""Calibration code: the calibration files' reader, targets, the fit, the posterior, predictions."""
