use super::*;

#[test]
fn a_group_acl_is_stored_as_its_first_objects() {
    let expanded = crate::sql::postdata::lo_group_acl(
        "SET SESSION AUTHORIZATION alice;\nGRANT SELECT ON LARGE OBJECT 555 TO bob;\nRESET SESSION AUTHORIZATION;\n",
        &[555, 556],
    );
    assert_eq!(
        group_acl_of_first(&expanded),
        "SET SESSION AUTHORIZATION alice;\nGRANT SELECT ON LARGE OBJECT 555 TO bob;\nRESET SESSION AUTHORIZATION;\n"
    );
}

#[test]
fn large_object_oids_from_lo_create_calls() {
    let defn = crate::sql::postdata::lo_metadata(&[5000, 5001]);
    assert_eq!(blob_oids("5000..5001", &defn), [5000, 5001]);
}
