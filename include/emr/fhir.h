/* fhir: what the FHIR R4 exporter (fhir_export.c) and importer
 * (fhir_import.c) share: the code-system and identifier URIs emr writes
 * and recognises.  One place, so that an export always imports back.
 *
 * Code systems are the canonical URIs of HL7's terminology registry
 * (https://terminology.hl7.org/external_terminologies.html and the US Core
 * 6.1.0 value sets). */
#ifndef EMR_FHIR_H
#define EMR_FHIR_H

#define EMR_FHIR_VERSION    "4.0.1"

#define EMR_FHIR_ICD10CM    "http://hl7.org/fhir/sid/icd-10-cm"
#define EMR_FHIR_SNOMED     "http://snomed.info/sct"
#define EMR_FHIR_LOINC      "http://loinc.org"
#define EMR_FHIR_CVX        "http://hl7.org/fhir/sid/cvx"
#define EMR_FHIR_RXNORM     "http://www.nlm.nih.gov/research/umls/rxnorm"
#define EMR_FHIR_UCUM       "http://unitsofmeasure.org"
#define EMR_FHIR_NPI        "http://hl7.org/fhir/sid/us-npi"
#define EMR_FHIR_CPT        "http://www.ama-assn.org/go/cpt"
#define EMR_FHIR_HCPCS      "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"

/* emr's own identifiers.  Every exported resource carries one
 * (system "urn:emr:<installation.uid>:<table>", value "<row id>"), so
 * that importing the same export twice adds nothing, and the MRN is the
 * Patient's "MR" identifier. */
#define EMR_FHIR_ID_BASE    "urn:emr:"
#define EMR_FHIR_MRN        "urn:emr:mrn"

#endif
