"""Notebook 04's long-lag task (coursekit.marked_bit) trained with the course's library.

The research scripts beside this file run the notebook's experiments on more seeds: the task,
the training loop and the sweep rule are the notebook's own (`coursekit.marked_bit`, with the
notebook's Settings as its defaults); the functions it trains with are rnn_numpy's here, the
learner's (and the provided ones) in the notebook.
"""

from __future__ import annotations

import argparse
from multiprocessing import Pool

import numpy as np

from coursekit.marked_bit import MarkedBitSettings, MarkedBitTask, TaskFunctions
from rnn_numpy.clipping import clip_elementwise, clip_global_norm, global_norm
from rnn_numpy.losses import temporal_softmax_loss
from rnn_numpy.optim import rmsprop_step, sgd_step
from rnn_numpy.pathologies import identity_recurrent_init, scale_spectral_radius
from rnn_numpy.rnn import rnn_backward, rnn_forward, rnn_output, rnn_output_backward

LIBRARY = TaskFunctions(
    rnn_forward=rnn_forward,
    rnn_backward=rnn_backward,
    rnn_output=rnn_output,
    rnn_output_backward=rnn_output_backward,
    temporal_softmax_loss=temporal_softmax_loss,
    scale_spectral_radius=scale_spectral_radius,
    identity_recurrent_init=identity_recurrent_init,
    global_norm=global_norm,
    clip_elementwise=clip_elementwise,
    clip_global_norm=clip_global_norm,
    sgd_step=sgd_step,
    rmsprop_step=rmsprop_step,
)
TASK = MarkedBitTask(LIBRARY, MarkedBitSettings())


def spectral_radius(W):
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def results_per_seed(description: str, one_seed) -> list:
    """`one_seed(seed)` for the seeds the command line names (`--seeds N`, `--first-seed S`),
    in `--processes P` processes: what every research script here runs."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--processes", type=int, default=1)
    options = parser.parse_args()
    seeds = range(options.first_seed, options.first_seed + options.seeds)
    with Pool(options.processes) as pool:
        return pool.map(one_seed, seeds)
