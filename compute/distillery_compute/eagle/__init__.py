"""EAGLE-3 drafters for the student: the model, its vocabulary, training-time test, data and training."""
