// Importing this module registers every business rule and action of the emulator.
import './sales.ts';
import './actions.ts';
import './relationships.ts';
