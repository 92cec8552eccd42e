from optimiser.entry import main

main()
