"""The data a run trains on: the dataset record and its batcher (dataset), the sets the course knows by name
(builtin), and a student's own files (user)."""
