"""Writers of the paired layout of :mod:`pix2pix.data`, one module per source of pairs."""
