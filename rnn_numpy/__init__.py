"""The course's NumPy reference: every function a notebook asks learners to write.

One module per idea; import from the module (`from rnn_numpy.rnn import rnn_forward`).
Graders and tests use it; it never reaches learners of an instructor-run course.
"""
