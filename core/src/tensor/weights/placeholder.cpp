// Replaced by the weight-file readers.
