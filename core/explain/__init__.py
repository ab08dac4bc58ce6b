"""What the network learned: attributions, mutagenesis, filter motifs, importance.

- ``attribution``: gradient x input (saliency) and integrated gradients for any input
  shape (sequences, images, tables), and the per-class mean over correct predictions;
- ``ism``: in-silico mutagenesis of one-hot sequences, every position to every other
  letter, batched on the model's device (``ism_window``: each variant recomputed only
  around its change through the leading convolutions and poolings);
- ``motifs``: each first-layer Conv1D filter as a position weight matrix (DeepBind /
  Basset), its information content and influence (``influence``), and ``live_motifs``
  for the Motifs view during training;
- ``motif_files`` reads MEME and JASPAR motif files, ``match`` compares filters with them;
- ``permutation``: permutation importance on the test split, network beside baselines;
- ``inputs`` gathers what a run folder or a finished run explains, ``export`` writes CSV,
  NPZ and JSON.

Nothing here trains or chooses anything; the test split is only read.
"""
