//! pg_dump's object kinds: their sort priority classes and sections.

use super::Section;

/// pg_dump's object kinds, in its internal enum order (the S4 tie-break
/// between kinds that share a priority class).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
// Kinds whose families are not dumped yet (operators, text search, ...)
// keep their place in pg_dump's order: the refusal names them.
#[allow(dead_code)]
pub(crate) enum Kind {
    Namespace,
    Extension,
    Type,
    ShellType,
    Func,
    Agg,
    Operator,
    AccessMethod,
    OpClass,
    OpFamily,
    Collation,
    Conversion,
    Table,
    TableAttach,
    AttrDef,
    Index,
    IndexAttach,
    StatsExt,
    Rule,
    Trigger,
    Constraint,
    FkConstraint,
    ProcLang,
    Cast,
    TableData,
    SequenceSet,
    DummyType,
    TsParser,
    TsDict,
    TsTemplate,
    TsConfig,
    Fdw,
    ForeignServer,
    DefaultAcl,
    Transform,
    LargeObject,
    LargeObjectData,
    PreDataBoundary,
    PostDataBoundary,
    EventTrigger,
    RefreshMatview,
    Policy,
    Publication,
    PublicationRel,
    PublicationTableInSchema,
    Subscription,
    SubscriptionRel,
    RelStats,
}

impl Kind {
    /// The sort priority class (rule P1): smaller sorts earlier.
    pub(crate) fn priority(self) -> u8 {
        match self {
            Kind::Namespace => 1,
            Kind::ProcLang => 2,
            Kind::Collation => 3,
            Kind::Transform => 4,
            Kind::Extension => 5,
            Kind::Type | Kind::ShellType => 6,
            Kind::Cast => 7,
            Kind::Func => 8,
            Kind::Agg => 9,
            Kind::AccessMethod => 10,
            Kind::Operator => 11,
            Kind::OpClass | Kind::OpFamily => 12,
            Kind::Conversion => 13,
            Kind::TsParser => 14,
            Kind::TsTemplate => 15,
            Kind::TsDict => 16,
            Kind::TsConfig => 17,
            Kind::Fdw => 18,
            Kind::ForeignServer => 19,
            Kind::Table => 20,
            Kind::TableAttach => 21,
            Kind::DummyType => 22,
            Kind::AttrDef => 23,
            Kind::PreDataBoundary => 24,
            Kind::TableData => 25,
            Kind::SequenceSet => 26,
            Kind::LargeObject => 27,
            Kind::LargeObjectData => 28,
            Kind::RelStats => 29,
            Kind::PostDataBoundary => 30,
            Kind::Constraint => 31,
            Kind::Index => 32,
            Kind::IndexAttach => 33,
            Kind::StatsExt => 34,
            Kind::Rule => 35,
            Kind::Trigger => 36,
            Kind::FkConstraint => 37,
            Kind::Policy => 38,
            Kind::Publication => 39,
            Kind::PublicationRel => 40,
            Kind::PublicationTableInSchema => 41,
            Kind::Subscription => 42,
            Kind::SubscriptionRel => 43,
            Kind::DefaultAcl => 44,
            Kind::EventTrigger => 45,
            Kind::RefreshMatview => 46,
        }
    }

    /// The section an object of this kind belongs to by default.
    pub(crate) fn section(self) -> Section {
        match self {
            Kind::TableData | Kind::SequenceSet | Kind::LargeObject | Kind::LargeObjectData => {
                Section::Data
            }
            Kind::Index
            | Kind::IndexAttach
            | Kind::StatsExt
            | Kind::RefreshMatview
            | Kind::Trigger
            | Kind::EventTrigger
            | Kind::DefaultAcl
            | Kind::Policy
            | Kind::Publication
            | Kind::PublicationRel
            | Kind::PublicationTableInSchema
            | Kind::Subscription
            | Kind::SubscriptionRel
            | Kind::Constraint
            | Kind::FkConstraint
            | Kind::Rule => Section::PostData,
            Kind::RelStats => Section::Data,
            Kind::PreDataBoundary | Kind::PostDataBoundary => Section::None,
            _ => Section::PreData,
        }
    }
}
