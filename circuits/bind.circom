pragma circom 2.1.6;

// BindPublic()
// Spec:   no output; constrains x * x into an internal signal so that a public input that no other
//         constraint uses still appears in the constraint system (and so is bound to the proof).
// Caller: nothing. Cost: 1 constraint.
template BindPublic() {
    signal input x;
    signal square;
    square <== x * x;
}
