"""Drawing only, one matplotlib convention: label/photo grids and ``save_figure`` (grids), a
training run's samples and curves (training), U-Net and PatchGAN diagrams measured from the real
modules (diagrams)."""
