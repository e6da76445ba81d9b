# Machine-assisted translation, not yet reviewed by a native speaker.
# Per-role lists: the referral inbox, notifications, the case list.

## Moments relative to today
when-today = ថ្ងៃនេះ
when-today-at = ថ្ងៃនេះ {$time}
when-yesterday = ម្សិលមិញ
when-days-ago = {$days ->
    [one] {$days} ថ្ងៃមុន
   *[other] {$days} ថ្ងៃមុន
}

## Age bands (what a receiving organisation may know before accepting)
age-band-0_11 = អាយុពី 0 ដល់ 11 ឆ្នាំ (កុមារ)
age-band-12_17 = អាយុពី 12 ដល់ 17 ឆ្នាំ (កុមារ)
age-band-18_24 = អាយុពី 18 ដល់ 24 ឆ្នាំ
age-band-25_34 = អាយុពី 25 ដល់ 34 ឆ្នាំ
age-band-35_44 = អាយុពី 35 ដល់ 44 ឆ្នាំ
age-band-45_plus = អាយុ 45 ឆ្នាំឡើងទៅ
age-band-unknown = មិនដឹងអាយុ

## The referral inbox
referrals-unknown-org = អង្គការដែលលែងបានចុះឈ្មោះ
referrals-sent-by = ផ្ញើដោយ
referrals-sent-to = ផ្ញើទៅ
referrals-person = បុគ្គល
referrals-person-not-shared = មិនបានចែករំលែក (ការបញ្ជូននេះមិនមានទិន្នន័យអត្តសញ្ញាណទេ)
referrals-sent = បានផ្ញើ
referrals-reason-given = មូលហេតុដែលបានផ្ដល់
referrals-decline-reason = មូលហេតុដែលអ្នកបដិសេធ (អ្នកផ្ញើនឹងអានវា)
referrals-open-case = បើកករណី
referrals-none-inbox = គ្មានការបញ្ជូនណាមួយកំពុងរង់ចាំអង្គការរបស់អ្នកទេ។ ការបញ្ជូនថ្មីនឹងបង្ហាញនៅទីនេះ ហើយអ្នកនឹងទទួលបានការជូនដំណឹង។
referrals-none-outbox = អង្គការរបស់អ្នកមិនទាន់បានផ្ញើការបញ្ជូនណាមួយនៅឡើយទេ។ សូមផ្ញើពីទំព័រ "ការយល់ព្រម និងការបញ្ជូន" នៃករណី។
referrals-error-title = ការបញ្ជូនមិនត្រូវបានបដិសេធទេ
referrals-error-reason = សូមប្រាប់មូលហេតុដែលអ្នកបដិសេធ៖ អង្គការអ្នកផ្ញើត្រូវការវាដើម្បីស្វែងរកសេវាផ្សេង។
referrals-done-accept = ការបញ្ជូនត្រូវបានទទួលយក៖ ឥឡូវនេះករណីបើកសម្រាប់អ្នកជាមួយអ្វីដែលបានចែករំលែក ហើយអ្នកផ្ញើត្រូវបានជូនដំណឹង។
referrals-done-decline = ការបញ្ជូនត្រូវបានបដិសេធ ហើយអ្នកផ្ញើត្រូវបានប្រាប់មូលហេតុ។
referrals-done-complete = ការបញ្ជូនត្រូវបានសម្គាល់ថាបានបញ្ចប់។
referrals-done-revoke = ការបញ្ជូនត្រូវបានដកវិញ។
audit-action-referral-preview = បានមើលភេទ និងក្រុមអាយុរបស់បុគ្គលក្នុងការបញ្ជូន ដើម្បីពិចារណាការបញ្ជូននោះ

## Notifications: what happened, in words
notifications-new-title = ថ្មី
notifications-read-title = បានអាន
notifications-none-unread = គ្មានអ្វីថ្មីទេ។ អ្នកនឹងត្រូវបានជូនដំណឹងនៅទីនេះ នៅពេលការបញ្ជូនមកដល់ ឬត្រូវបានឆ្លើយតប នៅពេលកិច្ចការ ឬករណីត្រូវបានប្រគល់ឱ្យអ្នក នៅពេលការអនុម័ត ឬសេចក្ដីសម្រេចត្រូវបានកត់ត្រា ឬនៅពេលថ្ងៃកំណត់ជិតមកដល់។
notifications-mark-all-read = សម្គាល់ទាំងអស់ថាបានអានហើយ
notifications-mark-one = សម្គាល់ថាបានអានហើយ
notifications-marked-one = ការជូនដំណឹងត្រូវបានសម្គាល់ថាបានអានហើយ ហើយត្រូវបានរក្សាទុកក្រោម "បានអាន"។
notice-other = មានការផ្លាស់ប្ដូរនៅក្នុង SafePath ដែលពាក់ព័ន្ធនឹងអ្នក។
notice-referral = { $source ->
    [screening] ការពិនិត្យបឋមបានបញ្ជូនបុគ្គលម្នាក់មកអង្គការរបស់អ្នក៖ ករណី { $reference } កំពុងរង់ចាំអ្នកគ្រប់គ្រងករណី។
   *[other] ការបញ្ជូនថ្មីសម្រាប់ { $service } ពី { $org } ({ $urgency })៖ សូមពិចារណាវានៅក្នុងប្រអប់ការបញ្ជូនរបស់អ្នក។
}
notice-referral-plain = ការបញ្ជូនថ្មីមួយកំពុងរង់ចាំនៅក្នុងប្រអប់ការបញ្ជូនរបស់អង្គការអ្នក។
notice-referral-answered = { $side ->
    [sender] ការបញ្ជូនករណី { $reference } របស់អ្នកទៅ { $org } សម្រាប់ { $service } ឥឡូវនេះ៖ { $state }។
   *[receiver] ការបញ្ជូនពី { $org } សម្រាប់ { $service } ឥឡូវនេះ៖ { $state }។
}
notice-referral-answered-plain = ការបញ្ជូនមួយត្រូវបានឆ្លើយតប។
notice-consent-withdrawn-plain = បុគ្គលនោះបានដកការយល់ព្រមវិញ៖ ការបញ្ជូនមកអង្គការរបស់អ្នកបានបញ្ចប់ ហើយទិន្នន័យរបស់វាលែងអាចប្រើបានទៀតហើយ។
notice-approval-requested = ការអនុម័តរបស់អ្នកត្រូវបានស្នើសុំលើករណី { $reference }៖ { $subject }។
notice-approval-requested-plain = ការអនុម័តរបស់អ្នកត្រូវបានស្នើសុំលើករណីមួយ។
notice-approval-decided = { $subject } ដែលអ្នកបានស្នើសុំការអនុម័តលើករណី { $reference } គឺ { $state }។
notice-approval-decided-plain = ការអនុម័តដែលអ្នកបានស្នើសុំត្រូវបានសម្រេច។
notice-task-assigned = កិច្ចការមួយលើករណី { $reference } ជារបស់អ្នក ថ្ងៃកំណត់ { $due }។
notice-task-assigned-plain = កិច្ចការមួយលើករណីមួយជារបស់អ្នក។
notice-task-due = កិច្ចការមួយលើករណី { $reference } ដល់ថ្ងៃកំណត់នៅ { $due }។
notice-task-due-plain = កិច្ចការមួយរបស់អ្នកដល់ថ្ងៃកំណត់។
notice-case-assigned = ករណី { $reference } ត្រូវបានប្រគល់ឱ្យអ្នកគ្រប់គ្រង។
notice-case-assigned-plain = ករណីមួយត្រូវបានប្រគល់ឱ្យអ្នកគ្រប់គ្រង។
notice-case-changed = អ្នកផ្សេងបានផ្លាស់ប្ដូរករណី { $reference } ដែលអ្នកគ្រប់គ្រង។
notice-case-changed-plain = អ្នកផ្សេងបានផ្លាស់ប្ដូរករណីដែលអ្នកគ្រប់គ្រង។
notice-document-added = { $org } បានបន្ថែមឯកសារមួយទៅករណី { $reference } ដែលអ្នកគ្រប់គ្រង។
notice-document-added-plain = អង្គការផ្សេងបានបន្ថែមឯកសារទៅករណីដែលអ្នកគ្រប់គ្រង។
notice-recovery-codes-reset-plain = លេខកូដស្ដារការចូលពីរជំហានរបស់អ្នកត្រូវបានជំនួស បន្ទាប់ពីការប្ដូរកូនសោសុវត្ថិភាព។ សូមបង្កើតលេខកូដថ្មីក្នុងការកំណត់ កម្មវិធីផ្ទៀងផ្ទាត់របស់អ្នកនៅតែអាចចូលបាន។
notice-decision = { $stage } ត្រូវបានកត់ត្រាលើករណី { $reference }។
notice-decision-plain = សេចក្ដីសម្រេចកំណត់អត្តសញ្ញាណមួយត្រូវបានកត់ត្រាលើករណីដែលអ្នកគ្រប់គ្រង។
notice-break-glass = { $user } (អ្នកគ្រប់គ្រងប្រព័ន្ធ) បានបើកករណី { $reference } ក្នុងស្ថានភាពអាសន្ន (ការចូលប្រើបន្ទាន់)។ មូលហេតុមាននៅក្នុងកំណត់ត្រាសវនកម្មនៃករណី។
notice-break-glass-plain = អ្នកគ្រប់គ្រងប្រព័ន្ធបានបើកករណីមួយរបស់អង្គការអ្នកក្នុងស្ថានភាពអាសន្ន (ការចូលប្រើបន្ទាន់)។ មូលហេតុមាននៅក្នុងកំណត់ត្រាសវនកម្មនៃករណី។
notice-tracing-match = សំណើស្វែងរកគ្រួសារមួយអាចពាក់ព័ន្ធនឹងបុគ្គលក្នុងករណី { $reference }។ សូមពិនិត្យវា ហើយសួរបុគ្គលនោះ។
notice-tracing-match-plain = សំណើស្វែងរកគ្រួសារមួយអាចពាក់ព័ន្ធនឹងបុគ្គលដែលស្ថិតក្រោមការថែទាំរបស់អ្នក។
notice-tracing-found = សំណើស្វែងរក { $reference }៖ បានរកឃើញបុគ្គលនោះ ហើយគាត់យល់ព្រមឱ្យទាក់ទង។ សូមបើកសំណើដើម្បីមើលមធ្យោបាយទាក់ទង។
notice-tracing-found-plain = បុគ្គលដែលអ្នកកំពុងស្វែងរកត្រូវបានរកឃើញ ហើយយល់ព្រមឱ្យទាក់ទង។
notice-permit-expiry = { $expired ->
    [yes] លិខិតអនុញ្ញាតមួយលើករណី { $reference } បានផុតកំណត់នៅ { $day } ហើយបុគ្គលនោះនៅតែស្ថិតក្រោមកិច្ចការពារ។
   *[no] លិខិតអនុញ្ញាតមួយលើករណី { $reference } នឹងផុតកំណត់នៅ { $day }។
}
notice-permit-expiry-plain = លិខិតអនុញ្ញាតមួយលើករណីដែលអ្នកធ្វើការនឹងផុតកំណត់ឆាប់ៗនេះ។
notice-hearing-upcoming = បុគ្គលក្នុងករណី { $reference } មាន { $event } នៅ { $day }៖ សូមរៀបចំអ្នកអមដំណើរ អ្នកបកប្រែ និងការធ្វើដំណើរ។
notice-hearing-upcoming-plain = បុគ្គលក្នុងករណីដែលអ្នកធ្វើការនឹងមានសវនាការឆាប់ៗនេះ។
notice-open-inbox = បើកប្រអប់ការបញ្ជូន
notice-open-referrals = បើកការបញ្ជូននៃករណី
notice-open-approvals = បើកការអនុម័ត
notice-open-tasks = បើកផែនការថែទាំ
notice-open-decisions = បើកសេចក្ដីសម្រេច
notice-open-audit = បើកកំណត់ត្រាសវនកម្ម
notice-open-tracing-request = បើកសំណើស្វែងរក
notice-open-tracing = បើកការស្វែងរកគ្រួសារ
notice-open-justice = បើកសិទ្ធិ និងយុត្តិធម៌
notice-open-case = បើកករណី
notice-open-documents = បើកឯកសារ
notice-open-two-factor = បើកការចូលពីរជំហាន

## The case list
cases-filter-manager = អ្នកគ្រប់គ្រងករណី
cases-filter-overdue = តែករណីដែលមានសេចក្ដីសម្រេច ឬកិច្ចការហួសថ្ងៃកំណត់
cases-next-deadline = ថ្ងៃកំណត់បន្ទាប់
cases-no-deadline = គ្មានថ្ងៃកំណត់ដែលនៅបើក
cases-overdue = ហួសកំណត់
cases-search-title = លទ្ធផលស្វែងរក
cases-search-count = ករណីដែលបានរកឃើញ
cases-back-to-list = ត្រឡប់ទៅករណីទាំងអស់
cases-none-search = គ្មានករណីណាត្រូវនឹងការស្វែងរកនេះទេ។ សូមពិនិត្យអក្ខរាវិរុទ្ធ សាកល្បងពាក្យមួយនៃឈ្មោះ ឬលេខយោង (SP-…) ឬស្វែងរកកំណត់ត្រាដែលមានស្រាប់ មុនពេលបើកករណីថ្មី។
cases-none-filtered = គ្មានករណីណាត្រូវនឹងតម្រងទាំងនេះទេ។ សូមបន្ធូរតម្រងមួយ ឬសម្អាតតម្រងទាំងអស់ ដើម្បីមើលករណីទាំងអស់ដែលអ្នកអាចមើលបាន។
cases-none-yet = អ្នកមិនទាន់អាចមើលករណីណាមួយទេ។ ករណីនឹងបង្ហាញនៅទីនេះ នៅពេលអ្នកបើកករណី នៅពេលករណីត្រូវបានប្រគល់ឱ្យអ្នក ឬនៅពេលអង្គការរបស់អ្នកទទួលយកការបញ្ជូន។
cases-search-gone-title = ការស្វែងរកនេះលែងត្រូវបានរក្សាទុកហើយ
cases-search-gone = ការស្វែងរកត្រូវបានរក្សាទុករយៈពេល 30 នាទី និងសម្រាប់តែវគ្គដែលបានធ្វើការស្វែងរកនោះប៉ុណ្ណោះ (ឈ្មោះមិនដែលត្រូវបានដាក់ក្នុងអាសយដ្ឋានគេហទំព័រទេ)។ សូមស្វែងរកម្ដងទៀតពីបញ្ជីករណី។
notice-handover-alert = { $alert ->
    [security_alert] មានការជូនដំណឹងអំពីសុវត្ថិភាពលើការផ្ទេរឆ្លងដែន៖ សូមអាន ហើយសម្រេចជាមួយភាគីម្ខាងទៀត។
   *[other] របាយការណ៍តាមដានក្រោយវិលត្រឡប់បញ្ជាក់ថា បុគ្គលអាចប្រឈមនឹងការជួញដូរម្ដងទៀត៖ សូមចាត់វិធានការជាមួយភាគីម្ខាងទៀតឥឡូវនេះ។
}
notice-handover-alert-plain = មានការជូនដំណឹងលើការផ្ទេរឆ្លងដែន។
notice-open-handover = បើកការផ្ទេរ
notice-returned-person-again-plain = សំណុំរឿងនេះអាចជារបស់បុគ្គលដែលបានវិលត្រឡប់តាមរយៈការផ្ទេរឆ្លងដែន ហើយលេចឡើងម្ដងទៀតក្នុងកំណត់ត្រា (សំណុំរឿងថ្មីពីការពិនិត្យបឋម ឬការពិនិត្យកំណត់ត្រាស្ទួន)៖ គាត់អាចត្រូវបានជួញដូរម្ដងទៀត។ សូមប្រៀបធៀបកំណត់ត្រា។ ប្រសិនបើការផ្ទេរនៅបើកនៅឡើយ អង្គការទទួលត្រូវបានជូនដំណឹងតាមរយៈការផ្ទេររួចហើយ។
