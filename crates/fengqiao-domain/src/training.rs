//! What the classifier may learn from. The model never learns from itself: a case is a training
//! example only when a person gave or confirmed its category.

/// How a case's category came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategoryOrigin {
    /// The case has a category.
    pub categorised: bool,
    /// The system categorised it on its own suggestion (automatic dispatch).
    pub by_system: bool,
    /// An operator gave a verdict on the suggestion (confirmed or corrected it).
    pub confirmed_by_person: bool,
}

/// Whether a case is a training example.
pub fn is_training_example(origin: CategoryOrigin) -> bool {
    origin.categorised && (!origin.by_system || origin.confirmed_by_person)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_a_person_categorised_is_learned() {
        let o = |categorised, by_system, confirmed_by_person| CategoryOrigin {
            categorised,
            by_system,
            confirmed_by_person,
        };
        assert!(
            is_training_example(o(true, false, false)),
            "a person chose it"
        );
        assert!(
            !is_training_example(o(true, true, false)),
            "the model chose it alone"
        );
        assert!(
            is_training_example(o(true, true, true)),
            "a person confirmed it"
        );
        assert!(
            !is_training_example(o(false, false, false)),
            "no category yet"
        );
    }
}
