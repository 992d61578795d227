"""Each named mistake, planted into a copy of the reference solution, is caught and named once;
each correct alternative to the reference passes every check."""

import re

import pytest

from tests.recode_support import (check, checks, part_of, plant, reference_code_in,
                                  shown_hints)

IMPORT_TORCH = (r"\nfrom pix2pix", "\nimport torch\nfrom pix2pix")  # for a planted torch call

# (mistake, file, (pattern, replacement) pairs, a check that must fail, words its hint contains)
MISTAKES = [
    # part "unet"
    ("no skip concatenation", "unet_blocks.py",
     [(r"h = torch\.cat\(\[skip, up\(h\)\], dim=1\)", "h = up(h)")],
     "skip connections reach the decoder", "fewer channels than it was built for"),
    ("skip features replaced by zeros", "unet_blocks.py",
     [(r"torch\.cat\(\[skip,", "torch.cat([torch.zeros_like(skip),")],
     "skip connections reach the decoder", "only through the bottleneck"),
    ("bias before BatchNorm", "unet_blocks.py", [(r"padding=1,\n\s+bias=False\)", "padding=1)")],
     "parameter count is the official code's 54,413,955", "has a bias"),
    ("BatchNorm on the outermost block and the bottleneck", "unet_blocks.py",
     [(r"nn\.BatchNorm2d\(out_channels\) if normalize else nn\.Identity\(\)",
       "nn.BatchNorm2d(out_channels)")],
     "BatchNorm where the official code has it", "where the paper has none"),
    ("no BatchNorm in the decoder", "unet_blocks.py",
     [(r"self\.norm = nn\.BatchNorm2d\(out_channels\)\n", "self.norm = nn.Identity()\n")],
     "BatchNorm where the official code has it", "per decoder block"),
    ("ReLU in the encoder", "unet_blocks.py",
     [(r"nn\.LeakyReLU\(0\.2\) if activation", "nn.ReLU() if activation")],
     "LeakyReLU(0.2) in the encoder, ReLU in the decoder", "encoder's activation acts as ReLU"),
    ("LeakyReLU with the default slope 0.01", "unet_blocks.py",
     [(r"nn\.LeakyReLU\(0\.2\) if activation", "nn.LeakyReLU() if activation")],
     "LeakyReLU(0.2) in the encoder, ReLU in the decoder", "acts as LeakyReLU(0.01)"),
    ("LeakyReLU in the decoder", "unet_blocks.py",
     [(r"self\.act = nn\.ReLU\(\)", "self.act = nn.LeakyReLU(0.2)")],
     "LeakyReLU(0.2) in the encoder, ReLU in the decoder", "decoder's activation acts as"),
    ("no dropout", "unet_blocks.py",
     [(r"nn\.Dropout\(0\.5\) if dropout else nn\.Identity\(\)", "nn.Identity()")],
     "dropout ends decoder blocks 1-3, on in train mode only", "no decoder block drops"),
    ("dropout in every decoder block", "unet_blocks.py",
     [(r"nn\.Dropout\(0\.5\) if dropout else nn\.Identity\(\)", "nn.Dropout(0.5)")],
     "dropout ends decoder blocks 1-3, on in train mode only", "[0, 1, 2, 3, 4, 5, 6]"),
    ("dropout before the convolution", "unet_blocks.py",
     [(r"return self\.dropout\(self\.norm\(self\.conv\(self\.act\(x\)\)\)\)",
       "return self.norm(self.conv(self.dropout(self.act(x))))")],
     "dropout ends decoder blocks 1-3, on in train mode only", "after the norm"),
    ("dropout in every encoder block", "unet_blocks.py",
     [(r"(        self\.norm = nn\.BatchNorm2d\(out_channels\) if normalize else nn\.Identity\(\)"
       r"\n)",
       r"\1        self.dropout = nn.Dropout(0.5)\n"),
      (r"return self\.norm\(self\.conv\(self\.act\(x\)\)\)",
       "return self.dropout(self.norm(self.conv(self.act(x))))")],
     "dropout ends decoder blocks 1-3, on in train mode only", "dropout in the encoder"),
    ("dropout before the encoder's convolution", "unet_blocks.py",
     [(r"return self\.norm\(self\.conv\(self\.act\(x\)\)\)",
       "return self.norm(self.conv(nn.functional.dropout(self.act(x), 0.5, self.training)))")],
     "each block resizes with its own 4x4 stride-2 convolution", "dropout in the encoder"),
    ("stride-1 convolution and max pooling", "unet_blocks.py",
     [(r"nn\.Conv2d\(in_channels, out_channels, kernel_size=4, stride=2, padding=1,"
       r"\n\s+bias=False\)",
       "nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size=4, stride=1,\n"
       "                              padding='same', bias=False), nn.MaxPool2d(2))")],
     "each block resizes with its own 4x4 stride-2 convolution", "resizes with max_pool2d"),
    ("BatchNorm before the encoder's convolution", "unet_blocks.py",
     [(r"nn\.BatchNorm2d\(out_channels\) if normalize", "nn.BatchNorm2d(in_channels) if normalize"),
      (r"return self\.norm\(self\.conv\(self\.act\(x\)\)\)",
       "return self.conv(self.norm(self.act(x)))")],
     "each block resizes with its own 4x4 stride-2 convolution", "normalises before"),
    ("nn.Dropout2d for nn.Dropout", "unet_blocks.py",
     [(r"nn\.Dropout\(0\.5\)", "nn.Dropout2d(0.5)")],
     "dropout ends decoder blocks 1-3, on in train mode only", "nn.Dropout2d"),
    ("skip joined on the batch axis", "unet_blocks.py", [(r"up\(h\)\], dim=1\)", "up(h)], dim=0)")],
     "skip connections reach the decoder", "joined on the batch axis"),
    # part "patchgan"
    ("stride 2 in C512", "patchgan.py", [(r"(8 \* ndf, kernel_size=4, stride=)1", r"\g<1>2")],
     "receptive field is 70x70", "strides 2, 2, 2, 1, 1"),
    ("no norm in the PatchGAN", "patchgan.py", [(r"nn\.BatchNorm2d\(\d \* ndf\)", "nn.Identity()")],
     "BatchNorm after C128, C256 and C512 only", "found 0 BatchNorm2d"),
    ("ReLU in the PatchGAN", "patchgan.py", [(r"nn\.LeakyReLU\(0\.2\)", "nn.ReLU()")],
     "LeakyReLU(0.2) after every convolution but the last", "after C64 it acts as ReLU"),
    ("unconditional D that ignores x", "patchgan.py",
     [(r"return self\.model\(pair\)", "return self.model(other_image)")],
     "D judges the pair: its logits depend on both images", "ignores the input image x"),
    ("unconditional D built for one image", "patchgan.py",
     [(r"in_channels=6", "in_channels=3"),
      (r"return self\.model\(pair\)", "return self.model(other_image)")],
     "D judges the pair: its logits depend on both images", "ignores the input image x"),
    ("sigmoid at the end of D", "patchgan.py",
     [(r"(nn\.Conv2d\(8 \* ndf, 1, kernel_size=4, stride=1, padding=1\),)", r"\1 nn.Sigmoid(),")],
     "ends with logits, not a sigmoid", "ends with a sigmoid"),
    ("LeakyReLU after D's last convolution", "patchgan.py",
     [(r"(nn\.Conv2d\(8 \* ndf, 1, kernel_size=4, stride=1, padding=1\),)",
       r"\1 nn.LeakyReLU(0.2),")],
     "ends with logits, not a sigmoid", "last convolution is followed by LeakyReLU(0.2)"),
    ("D's blocks ordered conv, LeakyReLU, BatchNorm", "patchgan.py",
     [(r"nn\.BatchNorm2d\((\d) \* ndf\),\n(\s+)nn\.LeakyReLU\(0\.2\),",
       r"nn.LeakyReLU(0.2),\n\2nn.BatchNorm2d(\1 * ndf),")],
     "BatchNorm after C128, C256 and C512 only", "LeakyReLU comes before the BatchNorm"),
    ("D's pair joined on the batch axis", "patchgan.py",
     [(r"in_channels=6", "in_channels=3"), (r"other_image\], dim=1\)", "other_image], dim=0)")],
     "output is a 30x30 grid for 256x256 images", "joined on the batch axis"),
    ("D returns one verdict per image", "patchgan.py",
     [(r"return self\.model\(pair\)", "return self.model(pair).mean(dim=(2, 3))")],
     "output is a 30x30 grid for 256x256 images", "one verdict per image"),
    ("D's stride-1 convolution and max pooling", "patchgan.py",
     [(r"nn\.Conv2d\(ndf, 2 \* ndf, kernel_size=4, stride=2, padding=1, bias=False\),",
       "nn.Conv2d(ndf, 2 * ndf, kernel_size=4, stride=1, padding='same', bias=False),"
       " nn.MaxPool2d(2),")],
     "receptive field is 70x70", "D resizes with max_pool2d"),
    ("dropout in D", "patchgan.py",
     [(r"(nn\.BatchNorm2d\(8 \* ndf\),)", r"\1 nn.Dropout(0.5),")],
     "BatchNorm after C128, C256 and C512 only", "the paper's D has no dropout"),
    # part "losses"
    ("double sigmoid", "losses.py", [(r"(\n    real_loss = )",
      r"\n    real_logits, fake_logits = real_logits.sigmoid(), fake_logits.sigmoid()\1")],
     "D's loss: real 1, fake 0, halved", "a sigmoid on top of the logits"),
    ("lambda on the adversarial term", "losses.py",
     [(r"adversarial \+ lambda_l1 \* l1,", "lambda_l1 * (adversarial + l1),")],
     "lambda weights the L1 term only", "adversarial term too"),
    ("D's loss not halved", "losses.py", [(r"0\.5 \* \(real_loss \+ fake_loss\)",
                                           "real_loss + fake_loss")],
     "D's loss: real 1, fake 0, halved", "not halved"),
    ("least squares (LSGAN) loss for D", "losses.py",
     [(r"F\.binary_cross_entropy_with_logits\(real_logits,", "F.mse_loss(real_logits,"),
      (r"F\.binary_cross_entropy_with_logits\(fake_logits, torch\.zeros",
       "F.mse_loss(fake_logits, torch.zeros")],
     "D's loss: real 1, fake 0, halved", "squared error"),
    ("D's labels swapped", "losses.py",
     [(r"\(real_logits, torch\.ones_like\(real_logits\)\)",
       "(real_logits, torch.zeros_like(real_logits))"),
      (r"\(fake_logits, torch\.zeros_like\(fake_logits\)\)",
       "(fake_logits, torch.ones_like(fake_logits))")],
     "D's loss: real 1, fake 0, halved", "labels are swapped"),
    ("label smoothing", "losses.py", [(r"\(real_logits, torch\.ones_like\(real_logits\)\)",
                                      "(real_logits, 0.9 * torch.ones_like(real_logits))")],
     "D's loss: real 1, fake 0, halved", "labelled 0.90"),
    ("G labels its fakes fake", "losses.py",
     [(r"adversarial = F\.binary_cross_entropy_with_logits\(fake_logits, torch\.ones_like",
       "adversarial = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like")],
     "G's adversarial term labels its fakes real", "labels its fakes 0"),
    ("least squares (LSGAN) loss for G", "losses.py",
     [(r"adversarial = F\.binary_cross_entropy_with_logits\(",
       "adversarial = F.mse_loss(")],
     "G's adversarial term labels its fakes real", "squared error"),
    ("L1 squared", "losses.py", [(r"F\.l1_loss", "F.mse_loss")],
     "L1 term is the mean absolute error", "squared error"),
    ("sum reduction in D's loss", "losses.py",
     [(r"(_loss = F\.binary_cross_entropy_with_logits\(\w+_logits, torch\.\w+_like\(\w+\))\)",
       r'\1, reduction="sum")')],
     "D's loss: real 1, fake 0, halved", 'reduction="sum"'),
    ("sum reduction in G's adversarial term", "losses.py",
     [(r"(adversarial = F\.binary_cross_entropy_with_logits\(fake_logits, torch\.ones_like\("
       r"fake_logits\))\)", r'\1, reduction="sum")')],
     "G's adversarial term labels its fakes real", 'reduction="sum"'),
    ("BCE arguments swapped", "losses.py",
     [(r"F\.binary_cross_entropy_with_logits\((\w+_logits), (torch\.\w+_like\(\w+\))\)",
       r"F.binary_cross_entropy_with_logits(\2, \1)")],
     "D's loss: real 1, fake 0, halved", "arguments of binary_cross_entropy_with_logits"),
    # part "update"
    ("no detach in D's update", "gan_step.py", [(r"fake_image\.detach\(\)", "fake_image")],
     "D's update: no gradient reaches G", "run back through G(x)"),
    ("no adversarial gradient reaching G (detached)", "gan_step.py",
     [(r"discriminator\(input_image, fake_image\)  #",
       "discriminator(input_image, fake_image.detach())  #")],
     "G's update: adversarial + lambda * L1 reaches G(x)", "no adversarial gradient"),
    ("no adversarial gradient reaching G (no_grad)", "gan_step.py",
     [(r"    fake_logits = discriminator\(input_image, fake_image\)  #",
       "    with torch.no_grad():\n        fake_logits = discriminator(input_image, fake_image)"
       "  #"), IMPORT_TORCH],
     "G's update: adversarial + lambda * L1 reaches G(x)", "no adversarial gradient"),
    ("D steps with stale gradients", "gan_step.py",
     [(r"(fake_image\.detach\(\)\)\n.*\n)    optimizer\.zero_grad\(\)\n", r"\1")],
     "two iterations in a row: clean gradients, D free to learn", "already in D's weights"),
    ("D steps with the gradients G's update left", "gan_step.py",
     [(r"    discriminator\.requires_grad_\(False\)\n", ""),
      (r"    optimizer\.zero_grad\(\)\n(    loss\.backward\(\)\n    optimizer\.step\(\)\n)",
       r"\1    optimizer.zero_grad()\n")],
     "two iterations in a row: clean gradients, D free to learn", "already in D's weights"),
    ("D left frozen after G's update", "gan_step.py",
     [(r"    discriminator\.requires_grad_\(True\).*\n", "")],
     "two iterations in a row: clean gradients, D free to learn", "still frozen"),
    ("D in eval mode in G's update", "gan_step.py",
     [(r"(    discriminator\.requires_grad_\(False\)\n)", r"\1    discriminator.eval()\n")],
     "G's update: adversarial + lambda * L1 reaches G(x)", "eval mode"),
    ("real and fake in one D batch", "gan_step.py",
     [(r"    real_logits = discriminator\(input_image, target_image\)\n(.*\n)    fake_logits = "
       r"discriminator\(input_image, fake_image\.detach\(\)\)\n",
       "    logits = discriminator(torch.cat([input_image, input_image]),\n"
       "                           torch.cat([target_image, fake_image.detach()]))\n"
       "    real_logits, fake_logits = logits.chunk(2)\n"), IMPORT_TORCH],
     "D's update: real and fake as two batches, in train mode", "in one batch"),
    ("gradients cleared between backward and step", "gan_step.py",
     [(r"    optimizer\.zero_grad\(\)\n    loss\.backward\(\)\n",
       "    loss.backward()\n    optimizer.zero_grad()\n")],
     "D's update: one step along the gradient of D's loss", "did not move"),
    ("D's update returns a tensor", "gan_step.py", [(r"return loss\.item\(\)", "return loss")],
     "D's update returns D's loss", "returned a tensor"),
    ("L1 taken against x", "gan_step.py",
     [(r"generator_loss\(fake_logits, fake_image, target_image, lambda_l1\)",
       "generator_loss(fake_logits, fake_image, input_image, lambda_l1)")],
     "G's update: adversarial + lambda * L1 reaches G(x)", "compares G(x) with the input x"),
    ("D's fake term under no_grad", "gan_step.py",
     [(r"    fake_logits = discriminator\(input_image, fake_image\.detach\(\)\)",
       "    with torch.no_grad():\n"
       "        fake_logits = discriminator(input_image, fake_image.detach())"), IMPORT_TORCH],
     "D's update: one step along the gradient of D's loss", "from the real pairs only"),
    ("D's real term under no_grad", "gan_step.py",
     [(r"    real_logits = discriminator\(input_image, target_image\)",
       "    with torch.no_grad():\n        real_logits = discriminator(input_image, target_image)"),
      IMPORT_TORCH],
     "D's update: one step along the gradient of D's loss", "from the fake pairs only"),
    ("a fresh Adam inside D's update", "gan_step.py",
     [(r"(    loss = discriminator_loss\(real_logits, fake_logits\)\n)",
       r"\1    optimizer = torch.optim.Adam(discriminator.parameters(), lr=2e-4)\n"), IMPORT_TORCH],
     "D's update: one step along the gradient of D's loss", "never stepped"),
    ("a fresh Adam inside G's update", "gan_step.py",
     [(r"(    loss = generator_loss\(fake_logits, fake_image, target_image, lambda_l1\)\n)",
       r"\1    optimizer = torch.optim.Adam(optimizer.param_groups[0]['params'], lr=2e-4)\n"),
      IMPORT_TORCH],
     "G's update: one step of G, none of D", "never stepped"),
    ("D scores (G(x), x)", "gan_step.py",
     [(r"discriminator\(input_image, fake_image\.detach\(\)\)",
       "discriminator(fake_image.detach(), input_image)")],
     "D's update: one step along the gradient of D's loss", "the other way round"),
    ("D scores (y, x)", "gan_step.py",
     [(r"discriminator\(input_image, target_image\)", "discriminator(target_image, input_image)")],
     "D's update: one step along the gradient of D's loss", "the other way round"),
    ("G's update scores (G(x), x)", "gan_step.py",
     [(r"discriminator\(input_image, fake_image\)  #",
       "discriminator(fake_image, input_image)  #")],
     "G's update: adversarial + lambda * L1 reaches G(x)", "the other way round"),
    ("D's loss given (fake, real)", "gan_step.py",
     [(r"discriminator_loss\(real_logits, fake_logits\)",
       "discriminator_loss(fake_logits, real_logits)")],
     "D's update: one step along the gradient of D's loss", "fake logits first"),
    ("G's update ignores lambda_l1", "gan_step.py",
     [(r"generator_loss\(fake_logits, fake_image, target_image, lambda_l1\)",
       "generator_loss(fake_logits, fake_image, target_image)")],
     "G's update: adversarial + lambda * L1 reaches G(x)", "ignores its lambda_l1 argument"),
    ("G's update without lambda", "gan_step.py",
     [(r"    loss\.loss_G\.backward\(\)", "    (loss.loss_G_GAN + loss.loss_G_L1).backward()")],
     "G's update: adversarial + lambda * L1 reaches G(x)", "without lambda"),
    # part "augment"
    ("different crop for the two images", "augment.py", [(r"(def crop_and_flip\(image\):\n)",
      r"\1        top = int(torch.randint(0, LOAD_SIZE - CROP_SIZE + 1, ()))\n")],
     "same crop and flip for both images", "different crops"),
    ("different flip for the two images", "augment.py",
     [(r"return crop_and_flip\(input_image\), crop_and_flip\(target_image\)",
       "return crop_and_flip(input_image), crop_and_flip(target_image).flip(-1)")],
     "same crop and flip for both images", "mirrored differently"),
    ("different interpolation for the two images", "augment.py",
     [(r"input_image = resize_to_load_size\(input_image\)",
       "input_image = F.interpolate(input_image[None], size=(LOAD_SIZE, LOAD_SIZE))[0]")],
     "same crop and flip for both images", "resize both the same way"),
    ("no resize before the crop", "augment.py",
     [(r"    (input|target)_image = resize_to_load_size\(\w+\)\n", ""),
      (r"LOAD_SIZE - CROP_SIZE \+ 1", "input_image.shape[-1] - CROP_SIZE + 1")],
     "images are resized to 286 before the crop", "cropped at its own scale"),
    ("flipped upside down", "augment.py", [(r"image\.flip\(-1\)", "image.flip(-2)")],
     "crop position and flip are random", "upside down"),
    ("rescaled to [0, 1]", "augment.py",
     [(r"return crop_and_flip\(input_image\), crop_and_flip\(target_image\)",
       "return (crop_and_flip(input_image) + 1) / 2, (crop_and_flip(target_image) + 1) / 2")],
     "pixel values unchanged, in [-1, 1]", "(to [0, 1])"),
    ("the crop's left equals its top", "augment.py",
     [(r"    left = int\(torch\.randint\(.*\n", "    left = top\n")],
     "crop position and flip are random", "only moves along the diagonal"),
    ("the crop moves only up and down", "augment.py",
     [(r"    left = int\(torch\.randint\(.*\n", "    left = 15\n")],
     "crop position and flip are random", "only moves up and down"),
]


@pytest.mark.parametrize("mistake, filename, replacements, expected, words", MISTAKES,
                         ids=[m[0] for m in MISTAKES])
def test_each_planted_mistake_is_named_once_by_its_part(tmp_path, mistake, filename,
                                                        replacements, expected, words):
    results = check.grade(plant(tmp_path, filename, *replacements), [part_of(filename)])
    failing = {r.name: r for r in results if r.status != "PASS"}
    assert expected in failing, [(r.name, r.status, r.hint) for r in results]
    assert words in failing[expected].hint
    assert shown_hints(results) == [failing[expected].hint]
    assert reference_code_in(check.score_table(results, "planted")) == []


# (alternative, file, (pattern, replacement) pairs): correct code written differently
VARIANTS = [
    ("D never frozen", "gan_step.py",
     [(r"    discriminator\.requires_grad_\((True|False)\).*\n", "")]),
    ("D frozen parameter by parameter", "gan_step.py",
     [(r"discriminator\.requires_grad_\((True|False)\)",
       r"[p.requires_grad_(\1) for p in discriminator.parameters()]")]),
    ("train() called in both updates", "gan_step.py",
     [(r"(    discriminator\.requires_grad_\((True|False)\).*\n)",
       r"\1    discriminator.train()\n")]),
    ("D's gradients cleared after its step", "gan_step.py",
     [(r"    optimizer\.zero_grad\(\)\n(    loss\.backward\(\)\n    optimizer\.step\(\)\n)",
       r"\1    optimizer.zero_grad()\n")]),
    ("module zero_grad instead of the optimizer's", "gan_step.py",
     [(r"    optimizer\.zero_grad\(\)\n    loss\.backward\(\)",
       "    discriminator.zero_grad()\n    loss.backward()")]),
    ("the fake for D copied under no_grad", "gan_step.py",
     [(r"    fake_logits = discriminator\(input_image, fake_image\.detach\(\)\)",
       "    with torch.no_grad():\n        fake_copy = fake_image.clone()\n"
       "    fake_logits = discriminator(input_image, fake_copy)"), IMPORT_TORCH]),
    ("in-place activations in the U-Net", "unet_blocks.py",
     [(r"nn\.LeakyReLU\(0\.2\)", "nn.LeakyReLU(0.2, inplace=True)"),
      (r"self\.act = nn\.ReLU\(\)", "self.act = nn.ReLU(inplace=True)")]),
    ("in-place activations in the PatchGAN", "patchgan.py",
     [(r"nn\.LeakyReLU\(0\.2\)", "nn.LeakyReLU(0.2, inplace=True)")]),
    ("the pair concatenated as (y, x)", "patchgan.py",
     [(r"torch\.cat\(\[input_image, other_image\]", "torch.cat([other_image, input_image]")]),
    ("sigmoid and BCE", "losses.py",
     [(r"F\.binary_cross_entropy_with_logits\((\w+)_logits,",
       r"F.binary_cross_entropy(\1_logits.sigmoid(),")]),
    ("one BCE over the concatenated logits", "losses.py",
     [(r"    real_loss = .*\n    fake_loss = .*\n    return 0\.5 \* \(real_loss \+ fake_loss\)",
       "    logits = torch.cat([real_logits.flatten(), fake_logits.flatten()])\n"
       "    labels = torch.cat([torch.ones_like(real_logits.flatten()),\n"
       "                        torch.zeros_like(fake_logits.flatten())])\n"
       "    return F.binary_cross_entropy_with_logits(logits, labels)")]),
    ("bicubic resizing", "augment.py", [(r'mode="bilinear"', 'mode="bicubic"')]),
    ("Python's random for the crop", "augment.py",
     [(r"int\(torch\.randint\(0, LOAD_SIZE - CROP_SIZE \+ 1, \(\)\)\)",
       "random.randint(0, LOAD_SIZE - CROP_SIZE)"),
      (r"bool\(torch\.rand\(\(\)\) < 0\.5\)", "random.random() < 0.5"),
      (r"\nimport torch\n", "\nimport random\n\nimport torch\n")]),
    ("the official code's freeze: requires_grad of each parameter", "gan_step.py",
     [(r"discriminator\.requires_grad_\((True|False)\)", r"set_requires_grad([discriminator], \1)"),
      (r"\n(def update_discriminator)",
       "\ndef set_requires_grad(nets, requires_grad=False):\n    for net in nets:\n"
       "        if net is not None:\n            for param in net.parameters():\n"
       "                param.requires_grad = requires_grad\n\n\n\\1")]),
    ("softplus losses", "losses.py",
     [(r"F\.binary_cross_entropy_with_logits\(real_logits, torch\.ones_like\(real_logits\)\)",
       "F.softplus(-real_logits).mean()"),
      (r"F\.binary_cross_entropy_with_logits\(fake_logits, torch\.zeros_like\(fake_logits\)\)",
       "F.softplus(fake_logits).mean()"),
      (r"F\.binary_cross_entropy_with_logits\(fake_logits, torch\.ones_like\(fake_logits\)\)",
       "F.softplus(-fake_logits).mean()")]),
    ("backward(inputs=...) in both updates", "gan_step.py",
     [(r"    loss\.backward\(\)", "    loss.backward(inputs=list(discriminator.parameters()))"),
      (r"    loss\.loss_G\.backward\(\)",
       "    loss.loss_G.backward(inputs=[p for group in optimizer.param_groups\n"
       "                                for p in group['params']])")]),
    ("a LeakyReLU written by hand in D", "patchgan.py",
     [(r"nn\.LeakyReLU\(0\.2\)", "LeakyReLU()"),
      (r"\n(class PatchGAN)", "\nclass LeakyReLU(nn.Module):\n    def forward(self, x):\n"
                             "        return torch.where(x > 0, x, 0.2 * x)\n\n\n\\1")]),
    ("functional activations in the U-Net", "unet_blocks.py",
     [(r"self\.act = nn\.ReLU\(\)", "self.act = nn.Identity()"),
      (r"return self\.dropout\(self\.norm\(self\.conv\(self\.act\(x\)\)\)\)",
       "return self.dropout(self.norm(self.conv(torch.relu(x))))")]),
    ("the skip joined as a tuple", "unet_blocks.py",
     [(r"h = torch\.cat\(\[skip, up\(h\)\], dim=1\)", "h = torch.cat((skip, up(h)), 1)")]),
]


@pytest.mark.parametrize("alternative, filename, replacements", VARIANTS,
                         ids=[v[0] for v in VARIANTS])
def test_each_correct_alternative_passes(tmp_path, alternative, filename, replacements):
    # a different update step must also train: the overfit part runs the two updates 100 times
    parts = [part_of(filename)] + (["overfit"] if filename == "gan_step.py" else [])
    results = check.grade(plant(tmp_path, filename, *replacements), parts)
    assert [(r.name, r.hint, r.error) for r in results if r.status != "PASS"] == []


def test_a_mistake_without_a_name_is_reported_by_what_was_measured(tmp_path):
    clipped = plant(tmp_path, "gan_step.py", (
        r"(    loss\.backward\(\)\n)(    optimizer\.step\(\)\n    return loss\.item)",
        r"\1    torch.nn.utils.clip_grad_value_(discriminator.parameters(), 0.01)\n\2"),
        IMPORT_TORCH)
    results = {r.name: r for r in check.grade(clipped, ["update"])}
    hint = results["D's update: one step along the gradient of D's loss"].hint
    assert re.fullmatch(r"D's step differs from a step along the gradient of D's loss by \d+%",
                        hint)
    assert results["D's update returns D's loss"].status == "PASS"


def test_the_overfit_names_a_missing_detach_instead_of_only_crashing(tmp_path):
    folder = plant(tmp_path, "gan_step.py", (r"fake_image\.detach\(\)", "fake_image"))
    result, = check.grade(folder, ["overfit"])
    assert (result.status, result.hint) == ("FAIL", checks.update.NO_DETACH)


def test_a_wrong_shape_error_names_the_layer_the_line_and_where_to_fix_it(tmp_path):
    folder = plant(tmp_path, "unet_blocks.py", (r"nn\.ConvTranspose2d\(in_channels,",
                                                "nn.ConvTranspose2d(in_channels // 2,"))
    line = next(n for n, text in enumerate((folder / "unet_blocks.py").read_text().splitlines(), 1)
                if "return self.dropout(self.norm(self.conv(self.act(x))))" in text)
    results = {r.name: r for r in check.grade(folder, ["unet"])}
    alone, inside = (results[name] for name in ("up block doubles height and width",
                                                "U-Net output has the input's size, in [-1, 1]"))
    assert (alone.status, inside.status) == ("ERROR", "ERROR")
    assert alone.hint == inside.hint == (
        f"UpBlock.conv received other channels than it was built for, at unet_blocks.py:{line} "
        "(UpBlock.forward): fix the in_channels UpBlock.__init__ builds it with, or the tensor "
        "passed to it; compare both with the docstring")
    assert f"(at unet_blocks.py:{line} (UpBlock.forward), called from unet_blocks.py:" in \
        inside.error and "(UNet.forward))" in inside.error
