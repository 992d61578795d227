"""Re-code questions: answers you measure with the course's code or read on its pages.

Page: "Part 8: questions" on the Re-code track page (recode.html). Replace each None with your
answer, then grade with ``python exercises/check.py questions``. Each question names the page
section that explains it; where you can, measure the answer with the package (pix2pix.models,
pix2pix.datasets.facades, pix2pix.losses, pix2pix.inference) rather than working it out by hand.
The grader shows a short discussion under each question you have answered, right or wrong.
"""

# "The discriminator: a PatchGAN" on the Concepts page (concepts.html)
# The paper's 70x70 PatchGAN judges a pair of 512x512 images. How many rows and columns of
# logits does it return? Answer (rows, columns).
PATCHGAN_GRID_512 = None

# "The discriminator: a PatchGAN" on the Concepts page (concepts.html)
# Give the PatchGAN one more stride-2 layer (four where the 70x70 one has three; PATCH_LAYERS in
# pix2pix/models.py counts them). How many input pixels wide is the receptive field of one of its
# logits? Answer an int.
RECEPTIVE_FIELD_ONE_MORE_LAYER = None

# "Reflect" on the Exercise 1 page (exercise1.html)
# How many dropout layers of the paper's unet_256 generator drop activations when exercise 1
# translates in paper mode? Answer an int.
DROPOUT_LAYERS_IN_PAPER_MODE = None

# "Reflect" on the Exercise 1 page (exercise1.html)
# Exercise 1 runs with --seed 7 on a batch of labels. From which seed does the fourth image of
# the batch (index 3) draw its dropout masks? Answer an int.
DROPOUT_SEED_OF_IMAGE_3 = None

# "The labels: twelve classes, two palettes" on the Exercise 1 page (exercise1.html)
# Which colour does the pretrained facades generator read as "window"? Answer (R, G, B), each
# 0-255.
WINDOW_RGB = None

# "Reflect" on the Exercise 2 page (exercise2.html)
# CMP's jet(12) palette and the model's jet(64) palette draw one class in exactly the same
# colour. Which class? Answer its name, e.g. "door".
SHARED_COLOUR_CLASS = None

# "What it prints" on the Exercise 3 page (exercise3.html)
# What is D's loss (the course's discriminator_loss, halved) when D gives every patch of every
# pair the logit 0? Answer a float, to 3 decimals.
D_LOSS_AT_LOGIT_ZERO = None
