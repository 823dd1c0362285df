package dev.tendril.cli.connectivity;

import picocli.CommandLine.Option;

/** {@code --model} of the connectivity commands: the model's verdicts, also from agents on the kernel datapath. */
public final class ModelOption {

    @Option(
            names = "--model",
            description = "Ask for the model's verdicts (libs/datapath over the maps) even where an agent runs the "
                    + "kernel datapath; without it the answering datapath is shown and disagreements are marked.")
    boolean model;
}
