"""Writers of the paired layout (:mod:`pix2pix.data`): the data sets the course trains on, and
the facade labels of exercises 1 and 2. A newcomer can skip this folder: training reads every
set the same way."""
